"""The Twente Board-assistent as a web app: ``make run``, or

    .venv/bin/python -m streamlit run app.py --server.address 127.0.0.1 --server.port 8501

Streamlit finds ``app`` below and serves the page script (webapp/page.py) with the
app's own HTTP parts (webapp/server.py): the visitor cookie, the Dutch page shell,
original documents by signed link, and loading the assistant at start-up. See
webapp/__init__.py for a map of the package.
"""
import streamlit as st
from starlette.middleware import Middleware

from webapp.server import PageMiddleware, lifespan, routes

app = st.App("webapp/page.py", routes=routes(), middleware=[Middleware(PageMiddleware)], lifespan=lifespan)
