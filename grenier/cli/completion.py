"""`grenier completion bash|zsh|fish`: print the shell completion script (click's own)."""

from __future__ import annotations

import click


@click.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL.

    \b
    bash:  eval "$(grenier completion bash)"     (e.g. in ~/.bashrc)
    zsh:   eval "$(grenier completion zsh)"      (e.g. in ~/.zshrc)
    fish:  grenier completion fish > ~/.config/fish/completions/grenier.fish
    """
    from click.shell_completion import get_completion_class

    from grenier.cli.main import cli

    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, "grenier", "_GRENIER_COMPLETE").source())
