"""What the contract tools write down never carries a credential."""

from __future__ import annotations

from mockserver.redact import MASK, redact_headers, redact_text, redact_url

KEY = "op_live_demoAllScopesKeyForOnepinMock001"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLWJ5dGVz"


def test_presigned_link_signatures_are_masked_and_the_rest_kept() -> None:
    url = ("https://bucket.example.com/run.zip?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc"
           "&X-Amz-Expires=900&response-content-type=application%2Fzip")
    masked = redact_url(url)
    assert "abc" not in masked and "AKIA" not in masked
    assert "X-Amz-Expires=900" in masked and masked.startswith("https://bucket.example.com/")


def test_the_mocks_signed_file_paths_are_masked() -> None:
    text = 'download at "http://127.0.0.1:8080/__mock/files/eyJ0b2tlbiI6MX0.sig/x"'
    assert redact_text(text) == f'download at "http://127.0.0.1:8080/__mock/files/{MASK}/x"'


def test_keys_and_jwts_are_masked_anywhere_in_text() -> None:
    text = f"key {KEY} and session {JWT} and a named secret s3cret-value"
    masked = redact_text(text, ["s3cret-value"])
    assert KEY not in masked and JWT not in masked and "s3cret-value" not in masked
    assert masked.startswith("key op_live_***")


def test_credential_headers_keep_only_their_scheme() -> None:
    headers = {"Authorization": f"Bearer {KEY}", "X-Workspace-Id": "ws-1",
               "X-Mock-Admin-Token": "t0ken"}
    assert redact_headers(headers) == {"Authorization": f"Bearer {MASK}",
                                       "X-Workspace-Id": "ws-1", "X-Mock-Admin-Token": MASK}
