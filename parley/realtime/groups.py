"""Names of channel-layer groups. Every socket of a user joins that user's group."""


def user_group(user_id: int) -> str:
    return f"user.{user_id}"
