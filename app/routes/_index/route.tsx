import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { login } from "../../shopify.server";
import landingStyles from "./landing.css";

export const links = () => [{ rel: "stylesheet", href: landingStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  // Shopify opens the app URL with ?shop=…: send it into the embedded app.
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return { showForm: Boolean(login) };
};

export default function Landing() {
  const { showForm } = useLoaderData<typeof loader>();
  return (
    <div className="landing-index">
      <div className="landing-content">
        <h1 className="landing-heading">Fluxor — see stock trouble coming</h1>
        <p className="landing-text">Demand forecasts for every variant, with honest error bands, and alerts before you run out.</p>
        {showForm && (
          <Form className="landing-form" method="post" action="/auth/login">
            <label className="landing-label">
              <span>Shop domain</span>
              <input className="landing-input" type="text" name="shop" placeholder="my-shop.myshopify.com" />
            </label>
            <button className="landing-button" type="submit">
              Log in
            </button>
          </Form>
        )}
      </div>
    </div>
  );
}
