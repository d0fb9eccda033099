"""EGN Analytics dashboards (Dash, pages idiom): ``create_app`` lives in :mod:`dashboards.app`.

Rules this package keeps: pages read data only through :mod:`dashboards.data_access`; callbacks
live in page modules (components are pure layout factories, so creating a second app in the
same process — as tests do — never duplicates a callback); nothing is fetched from the network.
"""
