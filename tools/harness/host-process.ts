/**
 * The dynamic-provider host as a process: the gRPC code loaded from the scratch install that
 * runs it, and the port it prints when it is ready.
 */
import type * as grpc from "@grpc/grpc-js";
import type * as provGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as provPb from "@pulumi/pulumi/proto/provider_pb";
import type * as statusPb from "@pulumi/pulumi/proto/status_pb";
import type * as structPb from "google-protobuf/google/protobuf/struct_pb";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";

import type { ScratchModules } from "./host-wire";

export function loadScratchModules(scratchDir: string): ScratchModules {
  const sdkPackageJson = path.join(scratchDir, "node_modules", "@pulumi", "pulumi", "package.json");
  const req = createRequire(sdkPackageJson);
  try {
    return {
      grpc: req("@grpc/grpc-js") as typeof grpc,
      provGrpc: req("./proto/provider_grpc_pb") as typeof provGrpc,
      provPb: req("./proto/provider_pb") as typeof provPb,
      statusPb: req("./proto/status_pb") as typeof statusPb,
      structPb: req("google-protobuf/google/protobuf/struct_pb") as typeof structPb,
    };
  } catch (e) {
    throw new Error(
      `cannot load @pulumi/pulumi's gRPC code from ${scratchDir}; was it prepared with preparePackage?`,
      { cause: e },
    );
  }
}

export function readPort(
  child: ChildProcessWithoutNullStreams,
  out: { stdout: string; stderr: string; all: string },
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let portLine: string | undefined;
    let pending = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `dynamic-provider host printed no port within ${String(timeoutMs)} ms:\n${out.all}`,
        ),
      );
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      const text = d.toString("utf8");
      if (portLine !== undefined) {
        out.stdout += text;
        out.all += text;
        return;
      }
      pending += text;
      const nl = pending.indexOf("\n");
      if (nl < 0) {
        return;
      }
      portLine = pending.slice(0, nl).trim();
      const rest = pending.slice(nl + 1);
      out.stdout += rest;
      out.all += rest;
      clearTimeout(timer);
      const port = Number(portLine);
      if (!Number.isInteger(port) || port <= 0) {
        child.kill("SIGKILL");
        reject(
          new Error(`dynamic-provider host printed ${JSON.stringify(portLine)} instead of a port`),
        );
        return;
      }
      resolve(port);
    });
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString("utf8");
      out.stderr += text;
      out.all += text;
    });
    child.on("exit", (code, signal) => {
      if (portLine === undefined) {
        clearTimeout(timer);
        reject(
          new Error(
            `dynamic-provider host exited (code ${String(code)}, signal ${String(signal)}) before printing its port:\n${out.all}`,
          ),
        );
      }
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
