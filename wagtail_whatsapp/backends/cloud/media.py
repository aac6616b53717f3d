"""The Cloud API backend's media: bytes uploaded for a message (``POST /<phone-number-id>/media``), and media a
citizen sent, downloaded within ``max_download_bytes``."""

from urllib3 import encode_multipart_formdata
from urllib3.exceptions import HTTPError

from wagtail_whatsapp.backends import errors
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.backends.cloud.graph import GraphClient
from wagtail_whatsapp.backends.download import CHUNK_BYTES, check_sha256, read_capped, too_large


class CloudMedia(GraphClient):
    def upload_media(self, content, mime_type, filename="upload"):
        body, content_type = encode_multipart_formdata(
            {"messaging_product": "whatsapp", "type": mime_type, "file": (filename, content, mime_type)}
        )
        answer = self._request(
            "POST", self._url(self.phone_number_id, "media"), body=body, headers={"Content-Type": content_type}
        )
        media_id = answer.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise errors.invalid_answer("The Graph API accepted the upload but returned no media id.")
        return media_id

    def download_media(self, media_id):
        """``GET /<media-id>`` gives a download URL valid five minutes, which answers the bytes to the same token.
        Media over ``max_download_bytes`` is refused (RECIPIENT) without reading more than that."""
        if not isinstance(media_id, str) or not media_id.strip():
            raise WhatsAppError("No media id to download.", kind=ErrorKind.RECIPIENT)
        what, limit = f"Media {media_id.strip()}", self.max_download_bytes
        answer = self._request("GET", self._url(media_id.strip()))
        url, stated_size = answer.get("url"), answer.get("file_size")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise errors.invalid_answer("The Graph API answered the media lookup without a download URL.")
        if str(stated_size).isdigit() and int(stated_size) > limit:
            raise too_large(what, int(stated_size), limit)
        response = self._raw_request("GET", url, stream=True)
        try:
            if response.status >= 400:
                # An error page, not the media: its first chunk is enough to read Meta's error JSON.
                body = response.read(CHUNK_BYTES)
                raise errors.error_from_response(response.status, body, secrets=self._secrets())
            content, content_type = read_capped(response, limit, what)
        except HTTPError as exc:
            raise errors.error_from_transport(exc, secrets=self._secrets()) from None
        finally:
            if not response.closed:  # left unread (too large, an error): the connection cannot serve another call
                response.close()
            response.release_conn()
        check_sha256(content, answer.get("sha256"), what)
        return content, str(answer.get("mime_type") or "") or content_type
