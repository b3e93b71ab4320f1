import warnings

# eventlet announces its maintenance mode on import; nameko 2 depends on it (see ARCHITECTURE.md).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
