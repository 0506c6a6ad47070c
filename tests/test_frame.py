"""The frame's once-per-process set-up: a client's "clear cache" clears only its session."""

import streamlit as st
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.app_session import AppSession

from app import frame


class FakeSession:
    def __init__(self):
        self._session_state = {"a": 1}

    def _handle_clear_cache_request(self):
        AppSession._handle_clear_cache_request(self)


def test_clear_cache_message_clears_only_the_senders_session():
    calls = []

    @st.cache_resource
    def shared(x):
        calls.append(x)
        return x

    shared(1)
    assert frame.keep_caches_for_everyone()
    session = FakeSession()
    AppSession.handle_backmsg(session, BackMsg(clear_cache=True))  # as the websocket does
    assert session._session_state == {}
    shared(1)
    assert calls == [1], "the shared cache was emptied"
