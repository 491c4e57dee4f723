"""Fine-tuning TabPFN with causal synthetic data, and model loading."""
