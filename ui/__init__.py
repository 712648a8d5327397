"""Qt user interface of the intake station.

Only :mod:`ui.qt` imports PySide6; the other modules take their Qt names from it. Widgets reach
the station through :class:`station.service.StationService` and never touch the store directly.
"""
