"""PostgreSQL backend that starts the embedded server on first connection.

Starting lazily (not when settings are imported) keeps commands that never touch the
database, such as ``makemigrations --check`` or ``help``, from starting a server.
"""

from pathlib import Path

from django.db.backends.postgresql import base

from config.embedded_db import ensure_server


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        server = ensure_server(Path(self.settings_dict["EMBEDDED_PGDATA"]), self._main_db_name())
        params = super().get_connection_params()
        params["host"] = str(server.socket_dir)
        params["port"] = server.port
        params["user"] = "postgres"
        return params

    def _main_db_name(self) -> str:
        # The test runner connects with NAME=test_...; the server only needs the
        # configured database to exist, the test database is created by Django.
        return self.settings_dict.get("EMBEDDED_DATABASE") or self.settings_dict["NAME"]
