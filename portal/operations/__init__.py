"""Operations a lab runs: the workers and queues view, pausing queues, file retention."""
