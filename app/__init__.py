"""The seqviz Streamlit app: `streamlit run app/main.py` from the repository root."""
