// The gateway's shapes the therapists' screens read (see /openapi.json).

export interface RiskFlag {
  flag_id: string;
  client_id: string;
  assignment_id: string;
  measure: string | null;
  rule_id: string;
  item_id: string | null;
  message: string;
  raised_at: string;
  acknowledged_at: string | null;
  note: string | null;
}

export interface LatestScore {
  measure: string;
  value: number;
  band: string | null;
  above_cutoff: boolean | null;
  classification: string | null;
}

export interface CaseloadEntry {
  client_id: string;
  last_activity_at: string | null;
  adherence: { overdue: number; completed: number; assigned: number; [other: string]: unknown };
  latest_scores: LatestScore[];
  open_risk_flags: RiskFlag[];
  worsening: boolean;
}

export interface ClientAccount {
  account_id: string;
  display_name: string | null;
  username: string;
}

export interface ClientAssignment {
  assignment_id: string;
  title: string;
  status: string;
  assigned_at: string;
  due_at: string | null;
  submitted_at: string | null;
  release_at?: string | null;
  scores?: Record<string, { value: number; band: string | null }>;
}

export interface ScorePoint {
  assignment_id: string;
  value: number;
  band: string | null;
  above_cutoff: boolean | null;
  submitted_at: string;
}

export interface MeasureNorms {
  name: string;
  minimum: number;
  maximum: number;
  lower_is_better: boolean;
  cutoff: number;
  bands: { lower: number; upper: number; label: string }[];
}

export interface Change {
  classification: string;
  baseline: number;
  latest: number;
  rci: number;
  reliable: boolean;
}

export interface MeasureProgress {
  measure: string;
  norms?: MeasureNorms | null;
  series: ScorePoint[];
  change: Change | null;
}

export interface Progress {
  measures: MeasureProgress[];
}

export interface ActivitySummary {
  activity_id: string;
  draft: { title: string };
  latest_version: number | null;
  archived: boolean;
}
