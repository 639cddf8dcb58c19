// Types of scripts/images.mjs for the TypeScript tests (tests/k8s, tests/delivery).
export interface Component {
  name: string;
  image: string;
  target: string;
  dockerfile: string;
  context: string;
  args: Record<string, string>;
}
export interface BuildResult {
  name: string;
  target: string;
  ref: string;
  ok: boolean;
  ms: number;
  bytes?: number;
  id?: string;
  output: string;
}
export interface LocalImage {
  id: string;
  bytes: number;
  created: string;
  revision?: string;
  repoDigests: string[];
}
export declare const ROOT: string;
export declare const COMPOSE_FILE: string;
export declare const STAMP_ARGS: string[];
export declare const children: Set<import('node:child_process').ChildProcess>;
export declare function imageRepository(registry: string, component: string): string;
export declare function imageRef(registry: string, component: string, tag: string): string;
export declare function parseImagesFrom(value: string): { registry: string; tag: string };
export declare function testImages(env?: NodeJS.ProcessEnv): { registry: string; tag: string };
export declare function interpolate(text: string, env?: NodeJS.ProcessEnv): string;
export declare function dockerfileStages(file: string): string[];
export declare function components(options?: { env?: NodeJS.ProcessEnv; file?: string }): Component[];
export declare function buildArgLines(args: Record<string, string>): string[];
export declare function buildCommand(
  component: Component,
  options: { ref: string; stamp: Record<string, string>; extraArgs?: Record<string, string>; platform?: string; push?: boolean; builder?: 'legacy' | 'buildkit' },
): string[];
export declare function defaultBuilder(env?: NodeJS.ProcessEnv): 'legacy' | 'buildkit';
export declare function gitRevision(): string;
export declare function inspectImage(ref: string): Promise<LocalImage | undefined>;
export declare function buildImages(options: {
  registry: string;
  tag: string;
  only?: string[];
  env?: NodeJS.ProcessEnv;
  extraArgs?: Record<string, string>;
  jobs?: number;
  platform?: string;
  push?: boolean;
  builder?: 'legacy' | 'buildkit';
  onStart?: (build: { name: string; ref: string; target: string }) => void;
  onResult?: (result: BuildResult) => void | Promise<void>;
}): Promise<BuildResult[]>;
