"""Who is asking. Visitors do not log in: their browser carries an unguessable id in
an HttpOnly cookie (set by webapp.server on the first page load), and everything a
visitor makes (conversations, own documents) is stored under a key derived from it.
The key is a hash, so the conversation store never holds the cookie itself.

Without the cookie (cookies blocked, or a test driving the script directly) the id
lives in the Streamlit session: everything works, but only until the tab is
reloaded or closed.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import streamlit as st

from webapp.server import COOKIE, valid_visitor_id


@dataclass(frozen=True)
class Visitor:
    owner: str  # the key their conversations are stored under
    remembered: bool  # False: no cookie, so nothing survives a reload


def owner_key(visitor_id: str) -> str:
    return hashlib.sha256(visitor_id.encode()).hexdigest()[:32]


def current() -> Visitor:
    cookie = st.context.cookies.get(COOKIE)
    if valid_visitor_id(cookie):
        return Visitor(owner_key(cookie), True)
    fallback = st.session_state.setdefault("tb_visitor", secrets.token_urlsafe(32))
    return Visitor(owner_key(fallback), False)
