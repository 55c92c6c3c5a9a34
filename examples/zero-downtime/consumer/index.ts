import * as pulumi from "@pulumi/pulumi";

// A consumer of the token pair, in its own stack: it needs no Panther credentials, only read
// access to the producer stack's outputs.
const config = new pulumi.Config();
// The producer stack's fully qualified name, e.g. "acme/panther-zero-downtime/prod"
// ("organization/panther-zero-downtime/dev" with a local backend).
const producer = new pulumi.StackReference(config.require("producerStack"));

// Secrets stay secrets across the reference.
const current = producer.requireOutput("current");
const previous = producer.requireOutput("previous");

// Hand both to the workload (a Kubernetes Secret, a CI variable, a Lambda environment…): it
// calls Panther with `primary` and retries once with `fallback` on a 401. Redeploy this stack
// within each rotation period (30 days) and it never holds a value that no longer works.
export const pantherApiKeys = pulumi.secret({ primary: current, fallback: previous });
export const currentTokenId = producer.requireOutput("currentTokenId");
