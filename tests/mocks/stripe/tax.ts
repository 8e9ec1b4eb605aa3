/**
 * Tax, simplified and stated: automatic tax uses this rate table by the customer's country (billing address),
 * one rate per country, prices treated as tax-exclusive unless the price says `inclusive`. An EU business customer
 * with a verified `eu_vat` id in another EU country than the account's is reverse charged (0 %); `tax_exempt:
 * exempt` pays none; countries not in the table are `not_collecting`. Tax ids are checked for format per type.
 */
import { invalidRequest } from "./errors";

export interface CountryRate {
  percentage: number;
  displayName: string;
  taxType: "vat" | "gst" | "jct";
}

export const TAX_RATES: Record<string, CountryRate> = {
  AT: { percentage: 20, displayName: "VAT", taxType: "vat" },
  BE: { percentage: 21, displayName: "VAT", taxType: "vat" },
  DE: { percentage: 19, displayName: "VAT", taxType: "vat" },
  DK: { percentage: 25, displayName: "VAT", taxType: "vat" },
  ES: { percentage: 21, displayName: "VAT", taxType: "vat" },
  FI: { percentage: 25.5, displayName: "VAT", taxType: "vat" },
  FR: { percentage: 20, displayName: "VAT", taxType: "vat" },
  IE: { percentage: 23, displayName: "VAT", taxType: "vat" },
  IT: { percentage: 22, displayName: "VAT", taxType: "vat" },
  NL: { percentage: 21, displayName: "VAT", taxType: "vat" },
  PL: { percentage: 23, displayName: "VAT", taxType: "vat" },
  PT: { percentage: 23, displayName: "VAT", taxType: "vat" },
  SE: { percentage: 25, displayName: "VAT", taxType: "vat" },
  GB: { percentage: 20, displayName: "VAT", taxType: "vat" },
  CH: { percentage: 8.1, displayName: "VAT", taxType: "vat" },
  NO: { percentage: 25, displayName: "VAT", taxType: "vat" },
  AU: { percentage: 10, displayName: "GST", taxType: "gst" },
  NZ: { percentage: 15, displayName: "GST", taxType: "gst" },
  CA: { percentage: 5, displayName: "GST", taxType: "gst" },
  SG: { percentage: 9, displayName: "GST", taxType: "gst" },
  IN: { percentage: 18, displayName: "GST", taxType: "gst" },
  JP: { percentage: 10, displayName: "JCT", taxType: "jct" },
};

export const EU_COUNTRIES = [
  "AT",
  "BE",
  "BG",
  "CY",
  "CZ",
  "DE",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "GR",
  "HR",
  "HU",
  "IE",
  "IT",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SE",
  "SI",
  "SK",
];

/** Formats checked per tax id type (spaces, dots and dashes are ignored); other Stripe types only need a value. */
const FORMATS: Record<string, { pattern: RegExp; country?: string; example: string }> = {
  eu_vat: {
    pattern:
      /^(ATU\d{8}|BE[01]\d{9}|BG\d{9,10}|CY\d{8}[A-Z]|CZ\d{8,10}|DE\d{9}|DK\d{8}|EE\d{9}|EL\d{9}|ES[A-Z0-9]\d{7}[A-Z0-9]|FI\d{8}|FR[A-HJ-NP-Z0-9]{2}\d{9}|HR\d{11}|HU\d{8}|IE\d{7}[A-W][A-I]?|IE\d[A-Z+*]\d{5}[A-W]|IT\d{11}|LT(\d{9}|\d{12})|LU\d{8}|LV\d{11}|MT\d{8}|NL\d{9}B\d{2}|PL\d{10}|PT\d{9}|RO\d{2,10}|SE\d{12}|SI\d{8}|SK\d{10}|XI\d{9})$/,
    example: "DE123456789",
  },
  gb_vat: { pattern: /^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/, country: "GB", example: "GB123456789" },
  au_abn: { pattern: /^\d{11}$/, country: "AU", example: "12345678912" },
  au_arn: { pattern: /^\d{12}$/, country: "AU", example: "123456789123" },
  nz_gst: { pattern: /^\d{8,9}$/, country: "NZ", example: "123456789" },
  ca_bn: { pattern: /^\d{9}$/, country: "CA", example: "123456789" },
  ca_gst_hst: { pattern: /^\d{9}RT\d{4}$/, country: "CA", example: "123456789RT0002" },
  ch_vat: { pattern: /^CHE\d{9}(MWST|TVA|IVA)$/, country: "CH", example: "CHE-123.456.789 MWST" },
  no_vat: { pattern: /^\d{9}MVA$/, country: "NO", example: "123456789MVA" },
  sg_gst: { pattern: /^[A-Z]\d{8}[A-Z]$/, country: "SG", example: "M12345678X" },
  in_gst: { pattern: /^\d{2}[A-Z]{5}\d{4}[A-Z][A-Z0-9]Z[A-Z0-9]$/, country: "IN", example: "12ABCDE3456FGZH" },
  jp_trn: { pattern: /^T\d{13}$/, country: "JP", example: "T1234567891234" },
  us_ein: { pattern: /^\d{9}$/, country: "US", example: "12-3456789" },
  eu_oss_vat: { pattern: /^EU\d{9}$/, example: "EU123456789" },
};

/** The types Stripe's API accepts (customer tax ids); the ones without a format above accept any value. */
export const TAX_ID_TYPES = [
  "ad_nrt",
  "ae_trn",
  "al_tin",
  "am_tin",
  "ao_tin",
  "ar_cuit",
  "au_abn",
  "au_arn",
  "aw_tin",
  "az_tin",
  "ba_tin",
  "bb_tin",
  "bd_bin",
  "bf_ifu",
  "bg_uic",
  "bh_vat",
  "bj_ifu",
  "bo_tin",
  "br_cnpj",
  "br_cpf",
  "bs_tin",
  "by_tin",
  "ca_bn",
  "ca_gst_hst",
  "ca_pst_bc",
  "ca_pst_mb",
  "ca_pst_sk",
  "ca_qst",
  "cd_nif",
  "ch_uid",
  "ch_vat",
  "cl_tin",
  "cm_niu",
  "cn_tin",
  "co_nit",
  "cr_tin",
  "cv_nif",
  "de_stn",
  "do_rcn",
  "ec_ruc",
  "eg_tin",
  "es_cif",
  "et_tin",
  "eu_oss_vat",
  "eu_vat",
  "gb_vat",
  "ge_vat",
  "gn_nif",
  "hk_br",
  "hr_oib",
  "hu_tin",
  "id_npwp",
  "il_vat",
  "in_gst",
  "is_vat",
  "jp_cn",
  "jp_rn",
  "jp_trn",
  "ke_pin",
  "kg_tin",
  "kh_tin",
  "kr_brn",
  "kz_bin",
  "la_tin",
  "li_uid",
  "li_vat",
  "ma_vat",
  "md_vat",
  "me_pib",
  "mk_vat",
  "mr_nif",
  "mx_rfc",
  "my_frp",
  "my_itn",
  "my_sst",
  "ng_tin",
  "no_vat",
  "no_voec",
  "np_pan",
  "nz_gst",
  "om_vat",
  "pe_ruc",
  "ph_tin",
  "ro_tin",
  "rs_pib",
  "ru_inn",
  "ru_kpp",
  "sa_vat",
  "sg_gst",
  "sg_uen",
  "si_tin",
  "sn_ninea",
  "sr_fin",
  "sv_nit",
  "th_vat",
  "tj_tin",
  "tr_tin",
  "tw_vat",
  "tz_vat",
  "ua_vat",
  "ug_tin",
  "us_ein",
  "uy_ruc",
  "uz_tin",
  "uz_vat",
  "ve_rif",
  "vn_tin",
  "za_vat",
  "zm_tin",
  "zw_tin",
];

/** Types the tax authorities verify (VIES, HMRC, the ABR): their ids get a verification status. */
const VERIFIED_TYPES = ["eu_vat", "gb_vat", "au_abn"];

export interface CheckedTaxId {
  type: string;
  value: string;
  country: string | null;
  verification: "verified" | "unverified" | "unavailable";
}

/**
 * Checks a tax id as `customers.createTaxId` / `tax_id_data` do: an unknown type is 400 on `type`, a value in the
 * wrong format 400 `tax_id_invalid`. Verification, at once here (Stripe: asynchronous): values ending in 111111111
 * are `unverified`, 222222222 `unavailable`, others `verified` (for the types authorities verify).
 */
export function checkTaxId(type: string, rawValue: string, param = ""): CheckedTaxId {
  const at = (name: string) => (param ? `${param}[${name}]` : name);
  if (!TAX_ID_TYPES.includes(type))
    throw invalidRequest(`Invalid ${at("type")}: must be one of ${TAX_ID_TYPES.slice(0, 8).join(", ")}, …`, at("type"));
  const value = rawValue.trim();
  if (!value) throw invalidRequest(`Missing required param: ${at("value")}.`, at("value"), "parameter_missing");
  const format = FORMATS[type];
  const compact = value.toUpperCase().replace(/[\s.-]/g, "");
  if (format && !format.pattern.test(compact))
    throw invalidRequest(`Invalid value for ${type}. Expected a value like ${format.example}.`, at("value"), "tax_id_invalid");
  let country = format?.country ?? null;
  if (type === "eu_vat") {
    const prefix = compact.slice(0, 2);
    country = prefix === "EL" ? "GR" : prefix === "XI" ? "GB" : prefix;
  }
  const verification = !VERIFIED_TYPES.includes(type)
    ? "unavailable"
    : compact.endsWith("111111111")
      ? "unverified"
      : compact.endsWith("222222222")
        ? "unavailable"
        : "verified";
  return { type, value, country, verification };
}

export interface TaxDecision {
  rate: (CountryRate & { country: string }) | null;
  reason: "standard_rated" | "reverse_charge" | "customer_exempt" | "not_collecting";
}

/** The tax that applies to a customer: by country, exemption and (EU B2B across borders) reverse charge. */
export function taxFor(
  customer: {
    country: string | null;
    taxExempt: "none" | "exempt" | "reverse";
    taxIds: { type: string; country: string | null; verification: string }[];
  },
  accountCountry: string,
): TaxDecision | null {
  if (!customer.country) return null;
  const rate = TAX_RATES[customer.country];
  if (customer.taxExempt === "exempt") return { rate: null, reason: "customer_exempt" };
  if (customer.taxExempt === "reverse") return { rate: null, reason: "reverse_charge" };
  const euB2b = customer.taxIds.some((id) => id.type === "eu_vat" && id.verification === "verified");
  if (euB2b && EU_COUNTRIES.includes(customer.country) && EU_COUNTRIES.includes(accountCountry) && customer.country !== accountCountry)
    return { rate: null, reason: "reverse_charge" };
  if (!rate) return { rate: null, reason: "not_collecting" };
  return { rate: { ...rate, country: customer.country }, reason: "standard_rated" };
}
