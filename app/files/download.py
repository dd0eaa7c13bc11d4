"""Serving a stored file to someone the view has already authorised.

Local files go out through `send_file` as before. From S3 the body is streamed in chunks (never
read whole into memory) — or, with FILE_DOWNLOAD_REDIRECT=presigned, the browser is redirected to
a presigned URL valid for FILE_DOWNLOAD_URL_SECONDS, so the bytes bypass the app server."""
from __future__ import annotations

from flask import Response, current_app, redirect, request, send_file

from app.files.s3 import content_disposition
from app.files.backends import get_store
from app.files.store import FileStore

STREAM_CHUNK = 256 * 1024


def send_stored_file(key: str, *, filename: str, content_type: str, etag: str | None = None,
                     store: FileStore | None = None) -> Response:
    """Raises FileNotFoundError/KeyError when there is no such file, StorageUnavailable when the
    store cannot be read."""
    store = store or get_store()
    if current_app.config.get("FILE_DOWNLOAD_REDIRECT") == "presigned":
        url = store.download_url(key, filename, content_type, int(current_app.config.get("FILE_DOWNLOAD_URL_SECONDS") or 60))
        if url:
            response = redirect(url, 302)
            response.headers["Cache-Control"] = "private, no-store"
            return response
    stream = store.open(key)
    size = getattr(stream, "size", None)
    if size is None:  # a local file: Werkzeug serves it (sendfile where the server offers it)
        return send_file(stream, mimetype=content_type, as_attachment=True, download_name=filename, max_age=0, etag=etag)

    def chunks():
        try:
            while chunk := stream.read(STREAM_CHUNK):
                yield chunk
        finally:
            stream.close()

    response = Response(chunks(), mimetype=content_type, direct_passthrough=True)
    response.call_on_close(stream.close)
    response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.cache_control.no_cache = True
    if etag:
        response.set_etag(etag)
        response = response.make_conditional(request)
    return response
