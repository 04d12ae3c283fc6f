"""A loopback Hugging Face hub for tests: serves one local folder as the dataset repository ``repo_id``
at tag ``revision`` over HTTP on 127.0.0.1, with just the endpoints `huggingface_hub` and `datasets`
call to resolve a revision, list a repository and download its files (no network involved)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

#: The commit every revision of the loopback repository resolves to.
COMMIT = hashlib.sha1(b"mmal-bench loopback").hexdigest()


@contextmanager
def serve(folder: Path, repo_id: str, revision: str) -> Iterator[str]:
    """Serve ``folder`` as ``repo_id`` at ``revision`` until the block ends; yields the endpoint URL
    (pass it as ``HF_ENDPOINT`` to the client process). Requests are recorded in ``served`` order."""
    folder = Path(folder)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    handler = type("Handler", (_Handler,), {"folder": folder, "files": files, "repo": repo_id, "revisions": (revision, COMMIT)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Handler(BaseHTTPRequestHandler):
    folder: Path
    files: list[str]
    repo: str
    revisions: tuple[str, str]

    def log_message(self, *args) -> None:  # quiet: the test asserts on what the client got
        pass

    def _entry(self, rel: str) -> dict:
        data = (self.folder / rel).read_bytes()
        return {"type": "file", "path": rel, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}

    def _send(self, body: bytes, code: int = 200, kind: str = "application/json", etag: str | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Repo-Commit", COMMIT)
        if etag:
            self.send_header("ETag", f'"{etag}"')
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj, code: int = 200) -> None:
        self._send(json.dumps(obj).encode(), code)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        if "/paths-info/" not in unquote(urlparse(self.path).path):
            return self._json({"error": "not found"}, 404)
        wanted = parse_qs(raw).get("paths") or json.loads(raw or "{}").get("paths", [])
        out = [self._entry(p) for p in wanted if p in self.files]
        out += [{"type": "directory", "path": p, "oid": COMMIT} for p in wanted if any(f.startswith(p.rstrip("/") + "/") for f in self.files)]
        self._json(out)

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        path = unquote(url.path)
        api = f"/api/datasets/{self.repo}"
        if path == api or path in (f"{api}/revision/{r}" for r in self.revisions):
            siblings = [{"rfilename": f} for f in self.files]
            return self._json({"id": self.repo, "sha": COMMIT, "private": False, "disabled": False, "gated": False, "tags": [], "siblings": siblings})
        for rev in self.revisions:
            tree = f"{api}/tree/{rev}"
            if path == tree or path.startswith(tree + "/"):
                return self._json(self._tree(path[len(tree):].strip("/"), "recursive=true" in url.query.lower()))
            resolve = f"/datasets/{self.repo}/resolve/{rev}/"
            if path.startswith(resolve) and path[len(resolve):] in self.files:
                data = (self.folder / path[len(resolve):]).read_bytes()
                return self._send(data, kind="application/octet-stream", etag=hashlib.sha1(data).hexdigest())
        self._json({"error": f"not found: {path}"}, 404)

    def _tree(self, sub: str, recursive: bool) -> list[dict]:
        out, dirs = [], set()
        for f in self.files:
            if sub and not f.startswith(sub + "/"):
                continue
            parts = (f[len(sub) + 1 :] if sub else f).split("/")
            if recursive or len(parts) == 1:
                out.append(self._entry(f))
            for i in range(1, len(parts) if recursive else min(2, len(parts))):
                dirs.add("/".join(([sub] if sub else []) + parts[:i]))
        return out + [{"type": "directory", "path": d, "oid": COMMIT} for d in sorted(dirs)]
