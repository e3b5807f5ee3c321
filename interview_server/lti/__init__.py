"""LTI 1.3 (1EdTech): the pad as a tool an LMS (Canvas, Moodle, Blackboard, Brightspace) registers and launches.

platforms.py: the platforms registered here (LTI_PLATFORMS); tool_keys.py: this tool's signing keys and secret
(LTI_KEYS), published at /lti/jwks; platform_keys.py: the platforms' public keys, fetched and cached by `kid`;
id_token.py: what a launch's id_token must prove; launch.py: the OIDC login and launch endpoints; links.py: what a
resource link opens (one shared session, or one per learner). docs/LTI.md.
"""
