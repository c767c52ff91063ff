"""Reading customer messages: languages, numbers, answers, terms and preferences."""
