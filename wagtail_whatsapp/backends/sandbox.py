"""Offline backend: messages are kept in the database and statuses are fed back as if Meta had sent them."""

from .base import BaseBackend


class SandboxBackend(BaseBackend):
    pass
