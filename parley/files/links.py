"""How an attachment appears in a message: the dict stored on the message (Message.attachments,
denormalised like its reactions) and the one clients see, with its URLs."""

from typing import Any, TypedDict


class Stored(TypedDict):
    id: int
    name: str
    type: str
    size: int
    image: bool
    width: int | None
    height: int | None


def stored(attachment: Any) -> Stored:
    """What Message.attachments keeps of an Attachment (its URLs follow from its id)."""
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "type": attachment.content_type,
        "size": attachment.size,
        "image": attachment.is_image,
        "width": attachment.width,
        "height": attachment.height,
    }


def download_url(attachment_id: int) -> str:
    return f"/files/{attachment_id}/download"


def client_dict(item: Stored) -> dict[str, Any]:
    """An attachment as clients see it (parley.events.catalogue.Attachment): `url`
    downloads it; an image also has `thumbnail_url` and `view_url` (full size, inline)."""
    pk = item["id"]
    image = item["image"]
    return {
        "id": pk,
        "name": item["name"],
        "type": item["type"],
        "size": item["size"],
        "url": download_url(pk),
        "thumbnail_url": f"/files/{pk}/thumbnail" if image else None,
        "view_url": f"/files/{pk}/view" if image else None,
        "width": item.get("width"),
        "height": item.get("height"),
    }
