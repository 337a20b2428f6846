"""factory_boy factories for accounts test data."""

import factory

from parley.accounts.models import User

PASSWORD = "correct-Horse-battery-9-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    display_name = ""
    password = factory.django.Password(PASSWORD)
