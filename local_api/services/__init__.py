"""kioskd's effect services: each carries out one family of the engine's orders and reports the results.

``dispatch.EffectDispatcher`` routes each effect by its class to the service that owns it; ``local_api.main``
builds the services and fills the table. Routes use the services directly, never through the dispatcher.
"""
