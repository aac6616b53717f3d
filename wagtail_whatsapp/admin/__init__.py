"""The admin side: the WhatsApp menu (wagtail-modeladmin lists), the admin views, forms and URLs, the home-page
panel and the page editor's "Send via WhatsApp" actions and panel."""
