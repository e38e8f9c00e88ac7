"""Imported by the template checks' server process only: loads the renderer and its fonts once,
so that every check forked from that process starts warm."""

from core.documents.template_check import warm_up

warm_up()
