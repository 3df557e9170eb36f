from bonewise.cli import app

app(prog_name="bonewise")
