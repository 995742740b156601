"""Local stand-ins for arXiv, the Hugging Face Hub and GitHub, serving recorded responses."""
