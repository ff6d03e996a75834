"""All Block Kit the bot sends: ``cards`` and ``answers`` for messages, ``home`` for the Home tab
and modals."""
