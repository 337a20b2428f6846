from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "parley.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from parley.integrations.retention import prune_deliveries
        from parley.jobs.retention import pruning

        # The retention job deletes old delivery logs too (docs/jobs.md#retention).
        pruning.connect(prune_deliveries, dispatch_uid="integrations.prune_deliveries")
