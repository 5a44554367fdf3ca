"""The pure stages between reading the lists and writing the dataset."""
