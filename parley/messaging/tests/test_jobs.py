"""post_message, the job that posts a message through the send path: once per client id
however often it runs; a refusal that passes is retried, one that stays fails at once.
(parley/jobs/tests/test_workers.py kills a worker between its send and its end.)"""

import pytest
from django_tasks_db.models import DBTaskResult

from parley.core.testing.jobs import run_due_jobs
from parley.messaging.jobs import post_message
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_run_with_one_client_id_posts_one_message(alice, chat):
    message = {"sender_id": alice.pk, "client_id": "delivery-1", "conversation_id": chat.pk}

    first = post_message.call(**message, body="Deployed")
    again = post_message.call(**message, body="Deployed")
    post_message.enqueue(**message, body="Deployed")
    run_due_jobs()

    assert [m.body for m in Message.objects.filter(conversation=chat)] == ["Deployed"]
    assert first == again == DBTaskResult.objects.get().return_value


def test_a_sender_who_may_not_post_there_fails_the_job_at_once(alice, carol, chat):
    result = post_message.enqueue(
        sender_id=carol.pk, client_id="d1", body="Hi", conversation_id=chat.pk
    )

    run_due_jobs()

    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, len(row.worker_ids)) == ("FAILED", 1)
    assert row.exception_class_path == "parley.jobs.queue.GiveUp"
    assert "not_found" in row.traceback
    assert not Message.objects.filter(conversation=chat).exists()


def test_a_rate_limited_post_is_retried(settings, alice, chat):
    settings.SEND_RATE_PER_SECOND, settings.SEND_RATE_BURST = 0.001, 1
    post_message.call(sender_id=alice.pk, client_id="d1", body="One", conversation_id=chat.pk)
    result = post_message.enqueue(
        sender_id=alice.pk, client_id="d2", body="Two", conversation_id=chat.pk
    )

    run_due_jobs()

    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, row.exception_class_path) == ("READY", "parley.core.errors.ParleyError")
    assert [m.body for m in Message.objects.filter(conversation=chat)] == ["One"]
