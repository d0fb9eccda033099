"""Entry point only: ``python app.py`` serves on http://127.0.0.1:8050; WSGI servers use ``server``."""

from dashboards.app import create_app, run

app = create_app()
server = app.server

if __name__ == "__main__":
    run(app)
