"""The Streamlit app for the public (app.py is its entry point).

- page.py        the page: one run per visit and click; the wait loop for work under way
- session.py     one visitor's session: open conversation and URL, filter, asking, rating, uploading
- visitor.py     who is asking (an HttpOnly cookie, no login)
- sidebar.py     conversations, filter, own documents, the shared corpus, admin sign-in
- render.py      one turn: question, answer with linked citations, sources, copy and rating
- admin.py       the administrator: sign-in with the configured secret, the panel
- browser.py     what runs in the browser: the question box (queues), page-wide Dutch and styles
- services.py    what all visitors share in one process (assistant loaded in the background, stores)
- conversations.py  conversations and their turns in SQLite; the unanswered turns are the queue
- answering.py   one worker per conversation answers its queue outside the page's run
- private.py     a conversation's own documents in a store of their own, removed after a while
- corpus.py      changes of the shared corpus (add, publish, remove) and their log
- uploads.py     uploaded files into an index, one transaction per file
- jobs.py        slow work in a background thread, progress shown by the page
- files.py       signed links to original documents; server.py serves them
- server.py      the HTTP side: cookie, Dutch page shell, CSP, document route, preloading
- feedback.py    ratings as JSON lines; export.py  conversations as Markdown / JSON
- escape.py, dutch.py, records.py  text made safe, Dutch dates and counts, answers as JSON
- launch.py      start and stop the app as `make run` does (browser tests, benchmarks, screenshot)
"""
