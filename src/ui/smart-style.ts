import { ENDPOINTS } from '../endpoints.ts';

/** Where the SMART style document is served (below BASE_URL); token responses carry its absolute URL. */
export const SMART_STYLE_PATH = ENDPOINTS.smartStyle.path;

/**
 * SMART App Launch 2.2 §"Styling" (capability `context-style`): hints an app may use to look like the
 * pages it was launched from. The same colours, sizes and fonts as this server's own pages (stylesheet.ts).
 */
export const SMART_STYLE = Object.freeze({
  color_background: '#ffffff',
  color_error: '#b00020',
  color_highlight: '#1a5fb4',
  color_modal_backdrop: 'rgba(0, 0, 0, 0.5)',
  color_success: '#2e7d32',
  color_text: '#1f1f1f',
  dim_border_radius: '4px',
  dim_font_size: '16px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, sans-serif',
  font_family_heading: 'system-ui, sans-serif',
});
