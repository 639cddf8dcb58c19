export interface HelmTool {
  helm: string;
  helmVersion: string;
  kubectl?: string;
  kubectlVersion?: string;
}
export declare const TOOLSETS: Record<'helm4' | 'helm3', { pkg: string; version: string; helm: string; kubectl: string }>;
export declare function cacheDir(): string;
export declare function ensureK8sTools(options?: { withKubectl?: boolean }): Record<'helm4' | 'helm3', HelmTool>;
