/** Which protocol versions and TLS 1.2 suites an engine configuration enables (pure helpers). */
import { TLS12_SUITES, suiteInfo } from '../crypto/suites.js';
import { ProtocolVersion } from '../wire/enums.js';
import type { EngineConfig, ProtocolVersionName } from './config.js';

const NUMBER: Record<ProtocolVersionName, number> = { 'TLSv1.2': ProtocolVersion.TLS1_2, 'TLSv1.3': ProtocolVersion.TLS1_3 };

/** The enabled versions as wire numbers (SslContext makes sure min <= max). */
export function versionRange(cfg: EngineConfig): { min: number; max: number } {
  return { min: NUMBER[cfg.minVersion ?? 'TLSv1.2'], max: NUMBER[cfg.maxVersion ?? 'TLSv1.3'] };
}

/** Whether this configuration may speak TLS 1.2. */
export function tls12Enabled(cfg: EngineConfig): boolean {
  return versionRange(cfg).min <= ProtocolVersion.TLS1_2;
}

/** Whether this configuration may speak TLS 1.3. */
export function tls13Enabled(cfg: EngineConfig): boolean {
  return versionRange(cfg).max >= ProtocolVersion.TLS1_3;
}

/** The TLS 1.2 suites this configuration enables, in preference order. */
export function tls12Suites(cfg: EngineConfig): number[] {
  return (cfg.tls12CipherSuites ?? [...TLS12_SUITES]).filter((id) => suiteInfo(id)?.version === 'TLSv1.2');
}

/** A version number for messages: "TLS 1.0", "SSLv3", ... */
export function versionName(v: number): string {
  switch (v) {
    case ProtocolVersion.SSL3:
      return 'SSLv3';
    case ProtocolVersion.TLS1_0:
      return 'TLS 1.0';
    case ProtocolVersion.TLS1_1:
      return 'TLS 1.1';
    case ProtocolVersion.TLS1_2:
      return 'TLS 1.2';
    case ProtocolVersion.TLS1_3:
      return 'TLS 1.3';
    default:
      return `version 0x${v.toString(16).padStart(4, '0')}`;
  }
}
