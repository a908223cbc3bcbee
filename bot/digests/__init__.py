"""digests"""
