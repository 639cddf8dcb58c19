export declare const ROOT: string;
export declare const URL_VARIABLE: Record<string, string>;
export declare function entryPoint(name: string): string;
export declare function domainServices(): string[];
