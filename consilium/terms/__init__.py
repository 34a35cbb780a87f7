"""The program's terms: its service levels, its calendar of holidays and the follow-up
questions a patient may ask. The environment variables (consilium/settings.py) are the
defaults; an administrator changes them on /program/settings/, each change a new row
(models.ProgramSettings), the newest in force. Everything that measures a deadline or counts
the follow-up questions reads them through ``access.current()``.

The app sits low in the layers (below cases, above accounts) because the clock
(consultations/clock.py) and every app above it read the terms; its rows point only at the
administrator who made the change."""
