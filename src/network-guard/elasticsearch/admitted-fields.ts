import type { ElasticsearchSettings } from '../../config/sections/elasticsearch.ts';
import { detectProfileName, type FieldProfile, type ProfileName, profileReason } from './field-profile.ts';
import type { FieldCaps, SearchBackend, SearchBody } from './search-backend.ts';

/** The mapping as the documents `elasticsearch.document_filter` admits see it. */
export interface AdmittedFields {
  /** `caps` without the fields no admitted document has. */
  caps: FieldCaps;
  /** How many documents the filter admits (0: `caps` is the whole mapping, nothing could be told). */
  documents: number;
  /** Fields the mapping has that only other documents fill (`.keyword` subfields left out). */
  othersOnly: string[];
}

/**
 * Which of the mapping's fields the filtered documents have: `_field_caps` describes the whole pattern (its
 * `index_filter` only drops indices whose shards cannot match, so an index shared by several sources answers with
 * every source's fields), and the field profile chosen from it can follow another source (Filebeat's nginx module's
 * `fileset.name`, Logstash grok's `clientip`). One size-0 search through the filtered backend, a `filters`
 * aggregation of one `exists` per field, tells which fields Traefik's documents fill. A field that is not searchable
 * cannot be asked about and is kept. With no admitted document yet the whole mapping is kept.
 */
export async function admittedFields(
  backend: Pick<SearchBackend, 'search'>,
  index: string,
  caps: FieldCaps,
): Promise<AdmittedFields> {
  const asked = Object.keys(caps).filter((field) => caps[field]!.every((capability) => capability.searchable));
  if (asked.length === 0) return { caps, documents: 0, othersOnly: [] };
  const filters: SearchBody = {};
  asked.forEach((field, position) => {
    filters[`f${position}`] = { exists: { field } };
  });
  const { body } = await backend.search(index, {
    size: 0,
    track_total_hits: true,
    aggs: { fields: { filters: { filters } } },
  });
  const documents = Number(body.hits?.total?.value ?? body.hits?.total ?? 0);
  if (documents === 0) return { caps, documents, othersOnly: [] };
  const buckets: Record<string, { doc_count: number }> = body.aggregations?.fields?.buckets ?? {};
  const empty = asked.filter((_, position) => Number(buckets[`f${position}`]?.doc_count ?? 0) === 0);
  // A `.keyword` subfield of an admitted field stays: it lacks only the values over its ignore_above.
  const parentAdmitted = (field: string) => field.endsWith('.keyword') && !empty.includes(field.slice(0, -8));
  const absent = new Set(empty.filter((field) => !parentAdmitted(field)));
  const admitted: FieldCaps = {};
  for (const [field, capabilities] of Object.entries(caps)) if (!absent.has(field)) admitted[field] = capabilities;
  const othersOnly = [...absent].filter((field) => !field.endsWith('.keyword')).sort();
  return { caps: admitted, documents, othersOnly };
}

/**
 * The connect report's "why" for a filtered pattern: the fields that decided, in which documents, and what the whole
 * mapping would have chosen when that differs. With no admitted document, a warning that the mapping decided.
 */
export function explainAdmitted(
  profile: FieldProfile,
  admitted: AdmittedFields,
  caps: FieldCaps,
  settings: Pick<ElasticsearchSettings, 'profile' | 'index_pattern'>,
): void {
  if (settings.profile !== 'auto') return;
  if (admitted.documents === 0) {
    profile.reason = `${profile.reason}, in the whole mapping`;
    profile.warnings.push(
      `elasticsearch.document_filter admits no document of ${settings.index_pattern} yet: the profile is chosen from the whole mapping, where another source's fields can decide it, until the next connect; set elasticsearch.profile if it is wrong`,
    );
    return;
  }
  profile.reason = `${profile.reason}, in the ${admitted.documents.toLocaleString('en')} documents elasticsearch.document_filter admits`;
  const whole = wholeMappingProfile(caps);
  if (whole && whole !== profile.name)
    profile.reason += `; the whole mapping would say ${whole} (${profileReason(caps, whole)}), fields only other documents have`;
}

function wholeMappingProfile(caps: FieldCaps): ProfileName | undefined {
  try {
    return detectProfileName(caps);
  } catch {
    return undefined; // Traefik's fields under two objects: an error of its own, not this report's
  }
}
