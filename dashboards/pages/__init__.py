"""One module per page: ``dash.register_page`` + ``layout(**query)`` + thin ``@callback``s.

Dash executes these modules itself when ``create_app`` builds the app (``use_pages=True``):
import them in tests only after ``create_app`` has run.
"""
