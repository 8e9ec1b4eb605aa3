import { LoginErrorType, type LoginError } from "@shopify/shopify-app-remix/server";

/** Translation keys under `login.` */
export interface LoginErrorMessage {
  shop?: "missingShop" | "invalidShop" | "tooManyAttempts";
}

export function loginErrorMessage(loginErrors: LoginError): LoginErrorMessage {
  if (loginErrors?.shop === LoginErrorType.MissingShop) return { shop: "missingShop" };
  if (loginErrors?.shop === LoginErrorType.InvalidShop) return { shop: "invalidShop" };
  return {};
}
