"""Reading what the chat page hands its script."""

import json
import re
from typing import Any


def chat_data(response: Any) -> dict[str, Any]:
    """The data the chat page passes to chat.js."""
    found = re.search(
        r'<script id="chat-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, "the page passes its data to chat.js"
    return json.loads(found.group(1))
