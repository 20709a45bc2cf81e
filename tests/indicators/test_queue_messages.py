"""After an upload the user is told whether the recompute it asked for is queued or waits for a queue that is down
— never that it started when the broker refused it."""

from contextlib import nullcontext

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from indicators.models import ClassificationRun
from portal.queueing import QUEUE_DOWN_NOTE, queued_text
from tests.faults.conftest import sending_to
from tests.indicators.test_upload_vpr import PEOPLE, export_file, post

DEAD_BROKER = "redis://127.0.0.1:9/0"  # nothing listens there: the connection is refused at once

pytestmark = pytest.mark.django_db(transaction=True)  # the task is sent when the import's transaction commits


@pytest.mark.parametrize("broker_down", [False, True])
def test_the_upload_message_says_whether_the_recompute_is_queued(client, client_as, principal_user, school,
                                                                   broker_down):
    client_as(principal_user)
    upload = post(client, export_file(school, PEOPLE))
    with sending_to(DEAD_BROKER) if broker_down else nullcontext():
        response = client.post(reverse("indicators:upload_confirm", args=[upload.pk]), {"confirm_warnings": "on"})
    [message] = get_messages(response.wsgi_request)
    run = ClassificationRun.objects.get()
    if broker_down:
        assert (message.level_tag, str(message)) == ("warning", f"Результаты загружены: 4 строк. {QUEUE_DOWN_NOTE}")
        assert (run.status, run.error) == ("pending", QUEUE_DOWN_NOTE)  # waits for the sweep
    else:
        assert (message.level_tag, str(message)) == (
            "success", "Результаты загружены: 4 строк. Пересчёт классификации поставлен в очередь.")
        assert run.error == ""


def test_queued_text():
    class Row:
        def __init__(self, error):
            self.error = error

    assert queued_text([Row(""), Row("")], "в очереди") == "в очереди"
    assert queued_text([Row(""), Row(QUEUE_DOWN_NOTE)], "в очереди") == QUEUE_DOWN_NOTE
    assert queued_text([], "в очереди") == "в очереди"
