"""The Cloud API backend's block list: citizens blocked and unblocked at Meta (``/<phone-number-id>/block_users``),
with each user's own outcome."""

from wagtail_whatsapp.backends import errors
from wagtail_whatsapp.backends.base import BlockResult
from wagtail_whatsapp.backends.cloud.graph import GraphClient


class CloudBlocking(GraphClient):
    def block_users(self, users):
        return self._block("POST", users)

    def unblock_users(self, users):
        return self._block("DELETE", users)

    def _block(self, method, users):
        users = list(users)
        if not users:
            return BlockResult()
        payload = {"messaging_product": "whatsapp", "block_users": [{"user": user} for user in users]}
        # A partial failure comes as an error (139100) AND the per-user lists: read both before raising.
        response = self._raw_request(method, self._url(self.phone_number_id, "block_users"), json=payload)
        answer = errors.json_body(response.data)
        lists = answer.get("block_users") if isinstance(answer, dict) else None
        if not isinstance(lists, dict):
            if response.status < 400:
                message = "The Graph API answered block_users without the list of users."
                raise errors.invalid_answer(message, http_status=response.status)
            raise errors.error_from_response(response.status, response.data, secrets=self._secrets())
        added = [_user_input(entry) for entry in lists.get("added_users") or [] if isinstance(entry, dict)]
        failed = {}
        for entry in lists.get("failed_users") or []:
            if not isinstance(entry, dict):
                continue
            entry_errors = entry.get("errors") or [answer.get("error") or {}]
            failed[_user_input(entry)] = errors.error_from_meta(
                entry_errors[0], http_status=response.status, secrets=self._secrets()
            )
        return BlockResult(added=added, failed=failed)


def _user_input(entry):
    return str(entry.get("input") or entry.get("wa_id") or "")
