"""The end-to-end journeys of this folder that need no fault and no setting of their own, run
again on the platform as production runs it: every service on a PostgreSQL database of its
own (``make up DB=postgres`` locally).

The journeys are the same test functions, collected here a second time: a test takes its
fixtures from the module it is collected in, so they get this module's ``platform``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from devstack.postgres import PostgresServer, create_database
from devstack.services import SERVICES
from devstack.sync import run_sync
from e2e.test_cotisations_access import (
    test_the_firm_reads_the_account_only_while_the_mandate_is_active,
)
from e2e.test_cotisations_account import test_an_assure_reads_the_account_that_the_registry_opened
from e2e.test_first_flow import (
    test_a_firm_signs_up_gets_its_activation_mail_and_activates_its_account,
    test_every_process_reports_ready_and_serves_metrics,
)
from e2e.test_mandates_flow import (
    test_a_key_typed_from_the_letter_activates_the_mandate_and_the_client_revokes_it,
)
from e2e.test_operators import (
    test_a_collaborator_invitation_mails_one_link_that_opens_the_access,
    test_an_agent_from_the_command_line_reaches_the_operator_api,
)
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

JOURNEYS = (
    test_a_firm_signs_up_gets_its_activation_mail_and_activates_its_account,
    test_every_process_reports_ready_and_serves_metrics,
    test_a_key_typed_from_the_letter_activates_the_mandate_and_the_client_revokes_it,
    test_an_assure_reads_the_account_that_the_registry_opened,
    test_the_firm_reads_the_account_only_while_the_mandate_is_active,
    test_an_agent_from_the_command_line_reaches_the_operator_api,
    test_a_collaborator_invitation_mails_one_link_that_opens_the_access,
)


@pytest.fixture(scope="module")
def platform(
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
) -> Iterator[RunningPlatform]:
    """The whole platform, each service on a new PostgreSQL database of its own."""
    urls = {
        s.name: run_sync(
            create_database(postgres_server.url, f"e2e_{s.name}_{uuid.uuid4().hex[:8]}")
        )
        for s in SERVICES
    }
    running = run_platform(tmp_path_factory.mktemp("var"), kafka_bootstrap, database_urls=urls)
    try:
        assert all(running.cfg.database_url(s.name).startswith("postgresql") for s in SERVICES)
        yield running
    finally:
        running.stop()
