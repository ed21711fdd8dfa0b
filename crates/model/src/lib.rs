//! The Kubernetes document model.
//!
//! A [`Resource`] is one Kubernetes object with the place it was loaded from; [`PodTemplate`]
//! gives the same view of the pod inside a Pod, a Deployment, a CronJob or any other workload
//! kind, so checks are written once. No I/O happens here.

mod pod;
mod resource;

pub use pod::{Container, ContainerKind, PodTemplate, WORKLOAD_KINDS};
pub use resource::{Resource, ResourceRef, resources_from_document};
