from . import note
