"""Evaluation core: metrics shared by the stats command, the trainer, the simulator and the tests."""
