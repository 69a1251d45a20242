"""Live chats, #PTChat style: questions posted on time, answers filed under them."""
