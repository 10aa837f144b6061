//! Network supplier-risk assessment (core vs RAN, concentration, certification).
