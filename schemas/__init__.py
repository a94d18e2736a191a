"""The API contract: request and response models and the wire enums. Imports nothing of ours."""
